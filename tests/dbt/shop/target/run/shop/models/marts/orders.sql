
  
    
    

    create  table
      "shop"."main"."orders__dbt_tmp"
  
    as (
      -- Renamed from order_facts: the specs still name the old model.
select o.order_id, o.customer_id, o.status, o.amount, p.method as payment_method
from "shop"."main"."stg_orders" o
left join "shop"."main"."stg_payments" p using (order_id)
    );
  
  