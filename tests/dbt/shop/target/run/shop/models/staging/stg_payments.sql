
  
  create view "shop"."main"."stg_payments__dbt_tmp" as (
    select payment_id, order_id, method, amount from "shop"."main_raw"."raw_payments"
  );
