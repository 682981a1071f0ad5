
    
    



select order_id
from "shop"."main"."orders"
where order_id is null


