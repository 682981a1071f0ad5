
    
    



select customer_id
from "shop"."main"."dim_customers_v2"
where customer_id is null


