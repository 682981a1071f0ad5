-- Fails on purpose: customer 1 returned an order, and revenue still counts it.
select r.customer_id
from "shop"."main"."customer_revenue" r
join (
    select customer_id, sum(amount) as kept
    from "shop"."main"."stg_orders"
    where status <> 'returned'
    group by customer_id
) o using (customer_id)
where r.revenue <> o.kept