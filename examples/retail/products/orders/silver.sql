-- Silver orders: one row per order id, the latest version wins.
WITH typed AS (
    SELECT
        trim("Order ID") AS order_id,
        nullif(trim("customer id"), '') AS customer_id,
        coalesce(
            try_strptime("Order Date", '%Y-%m-%d %H:%M:%S'),
            try_strptime("Order Date", '%Y-%m-%dT%H:%M:%SZ'),
            CAST(try_strptime("Order Date", '%Y-%m-%dT%H:%M:%S%z') AS TIMESTAMP),
            CAST(try_strptime("Order Date", '%m/%d/%Y %H:%M:%S %z') AS TIMESTAMP),
            CAST(to_timestamp(try_cast("Order Date" AS BIGINT)) AS TIMESTAMP)
        ) AS ordered_at,
        CAST(regexp_replace("Amount", '[^0-9.-]', '', 'g') AS DECIMAL(18, 2)) AS amount,
        upper(trim("Currency")) AS currency,
        trim("Ship Country") AS ship_country,
        trim("Status") AS status,
        coalesce(
            try_strptime("Updated At", '%Y-%m-%d %H:%M:%S'),
            try_strptime("Updated At", '%Y-%m-%dT%H:%M:%SZ'),
            CAST(try_strptime("Updated At", '%Y-%m-%dT%H:%M:%S%z') AS TIMESTAMP),
            CAST(try_strptime("Updated At", '%m/%d/%Y %H:%M:%S %z') AS TIMESTAMP),
            CAST(to_timestamp(try_cast("Updated At" AS BIGINT)) AS TIMESTAMP)
        ) AS updated_at
    FROM bronze.orders
    WHERE nullif(trim("Order ID"), '') IS NOT NULL
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC) AS version
    FROM typed
)
SELECT order_id, customer_id, ordered_at, amount, currency, ship_country, status, updated_at
FROM ranked
WHERE version = 1
