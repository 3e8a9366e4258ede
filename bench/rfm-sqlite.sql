-- rfm-sqlite.sql - the benchmark job in SQLite, written as an analyst
-- would: import, one CREATE TABLE AS with GROUP BY, then NTILE windows.
-- bench/run.sh replaces the input and output placeholders.
--
-- Definitions (DESIGN.md): frequency = distinct orders, monetary = net
-- amount (returns are negative), recency = days from the last purchase
-- day to as_of, the day after the latest transaction day. Scores are
-- NTILE(5) over (value, customer_id), decile NTILE(10) over monetary
-- descending; segments are the default 11 code lists of custseg rfm.
-- Monetary is rounded to cents so that equal totals tie exactly.

CREATE TABLE tx (
    customer_id TEXT,
    order_id    TEXT,
    order_time  TEXT,
    amount      REAL,
    quantity    INTEGER,
    unit_price  REAL
);
.import --csv --skip 1 @INPUT@ tx

CREATE TABLE customers AS
SELECT customer_id,
       date(MAX(order_time))     AS last_day,
       COUNT(DISTINCT order_id)  AS frequency,
       ROUND(SUM(amount), 2)     AS monetary
FROM tx
GROUP BY customer_id;

.headers on
.mode csv
.once @OUTPUT@
WITH as_of AS (
    SELECT date(MAX(last_day), '+1 day') AS day FROM customers
), base AS (
    SELECT c.customer_id,
           CAST(julianday(a.day) - julianday(c.last_day) AS INTEGER)
               AS recency,
           c.frequency,
           c.monetary
    FROM customers AS c CROSS JOIN as_of AS a
), scored AS (
    SELECT *,
           NTILE(5) OVER (ORDER BY recency DESC, customer_id)    AS r,
           NTILE(5) OVER (ORDER BY frequency, customer_id)       AS f,
           NTILE(5) OVER (ORDER BY monetary, customer_id)        AS m,
           NTILE(10) OVER (ORDER BY monetary DESC, customer_id)  AS decile
    FROM base
), coded AS (
    SELECT *, 100 * r + 10 * f + m AS rfm_score FROM scored
)
SELECT customer_id, recency, frequency, printf('%.2f', monetary)
           AS monetary, r, f, m, rfm_score,
       CASE
         WHEN rfm_score IN (555, 554, 544, 545, 454, 455, 445)
              THEN 'Champions'
         WHEN rfm_score IN (543, 444, 435, 355, 354, 345, 344, 335)
              THEN 'Loyal Customers'
         WHEN rfm_score IN (553, 551, 552, 541, 542, 533, 532, 531, 452, 451,
                            442, 441, 431, 453, 433, 432, 423, 353, 352, 351,
                            342, 341, 333, 323)
              THEN 'Potential Loyalist'
         WHEN rfm_score IN (512, 511, 422, 421, 412, 411, 311)
              THEN 'New Customers'
         WHEN rfm_score IN (525, 524, 523, 522, 521, 515, 514, 513, 425, 424,
                            413, 414, 415, 315, 314, 313)
              THEN 'Promising'
         WHEN rfm_score IN (535, 534, 443, 434, 343, 334, 325, 324)
              THEN 'Need Attention'
         WHEN rfm_score IN (331, 321, 312, 221, 213, 231, 241, 251)
              THEN 'About To Sleep'
         WHEN rfm_score IN (255, 254, 245, 244, 253, 252, 243, 242, 235, 234,
                            225, 224, 153, 152, 145, 143, 142, 135, 134, 133,
                            125, 124)
              THEN 'At Risk'
         WHEN rfm_score IN (155, 154, 144, 214, 215, 115, 114, 113)
              THEN 'Can''t Lose Them'
         WHEN rfm_score IN (332, 322, 233, 232, 223, 222, 132, 123, 122, 212,
                            211)
              THEN 'Hibernating'
         WHEN rfm_score IN (111, 112, 121, 131, 141, 151)
              THEN 'Lost'
         ELSE 'Others'
       END AS segment,
       decile
FROM coded
ORDER BY customer_id;
