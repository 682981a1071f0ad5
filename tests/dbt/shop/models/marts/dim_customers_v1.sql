select customer_id, first_name || ' ' || last_name as name from {{ ref('stg_customers') }}
