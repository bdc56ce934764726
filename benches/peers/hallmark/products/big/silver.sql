SELECT * FROM bronze.orders
