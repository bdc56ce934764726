-- Silver orders on ClickHouse: the same transform as silver.sql, in functions that
-- every release from 18.16 has (no CTEs over subqueries, no window functions, no
-- trimBoth, no toDecimal64OrNull). One row per order id, the latest version wins.
-- parseDateTimeBestEffort reads 06/07/2024 as 6 July, so US dates are reordered first.
SELECT order_id, customer_id, ordered_at, amount, currency, ship_country, status, updated_at
FROM (
    SELECT
        replaceRegexpAll(`Order ID`, '^\\s+|\\s+$', '') AS order_id,
        nullIf(replaceRegexpAll(`customer id`, '^\\s+|\\s+$', ''), '') AS customer_id,
        if(match(`Order Date`, '^[0-9]+$'),
           toDateTime(toUInt32OrZero(`Order Date`), 'UTC'),
           parseDateTimeBestEffortOrNull(replaceRegexpOne(`Order Date`, '^([0-9]{2})/([0-9]{2})/([0-9]{4}) ', '\\3-\\1-\\2 '), 'UTC')) AS ordered_at,
        replaceRegexpAll(`Amount`, '[^0-9.-]', '') AS amount_text,
        if(match(amount_text, '^-?[0-9]+(\\.[0-9]+)?$'),
           CAST(if(match(amount_text, '^-?[0-9]+(\\.[0-9]+)?$'), amount_text, '0') AS Decimal(18, 2)),
           NULL) AS amount,
        upper(replaceRegexpAll(`Currency`, '^\\s+|\\s+$', '')) AS currency,
        replaceRegexpAll(`Ship Country`, '^\\s+|\\s+$', '') AS ship_country,
        replaceRegexpAll(`Status`, '^\\s+|\\s+$', '') AS status,
        if(match(`Updated At`, '^[0-9]+$'),
           toDateTime(toUInt32OrZero(`Updated At`), 'UTC'),
           parseDateTimeBestEffortOrNull(replaceRegexpOne(`Updated At`, '^([0-9]{2})/([0-9]{2})/([0-9]{4}) ', '\\3-\\1-\\2 '), 'UTC')) AS updated_at
    FROM bronze.orders
    WHERE nullIf(replaceRegexpAll(`Order ID`, '^\\s+|\\s+$', ''), '') IS NOT NULL
    ORDER BY updated_at DESC
    LIMIT 1 BY order_id
)
