
  
    
    

    create  table
      "shop"."main"."dim_customers_v2__dbt_tmp"
  
    as (
      select customer_id, first_name, last_name, email from "shop"."main"."stg_customers"
    );
  
  