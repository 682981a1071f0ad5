-- Reads payments directly: an upstream its spec does not declare.
select c.customer_id, sum(p.amount) as revenue
from "shop"."main"."dim_customers_v2" c
join "shop"."main"."stg_orders" o using (customer_id)
join "shop"."main"."stg_payments" p using (order_id)
group by c.customer_id