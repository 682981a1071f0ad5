
  
  create view "shop"."main"."stg_orders__dbt_tmp" as (
    select order_id, customer_id, status, amount from "shop"."main_raw"."raw_orders"
  );
