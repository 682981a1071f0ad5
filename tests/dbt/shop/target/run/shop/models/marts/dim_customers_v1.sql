
  
    
    

    create  table
      "shop"."main"."dim_customers_v1__dbt_tmp"
  
    as (
      select customer_id, first_name || ' ' || last_name as name from "shop"."main"."stg_customers"
    );
  
  