
  
  create view "shop"."main"."stg_customers__dbt_tmp" as (
    select customer_id, first_name, last_name, email from "shop"."main_raw"."raw_customers"
  );
