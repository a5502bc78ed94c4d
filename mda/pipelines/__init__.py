"""Task-sized steps: what the CLI and the Airflow DAGs call. Each step is idempotent per day."""
