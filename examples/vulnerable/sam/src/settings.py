"""Settings shared by the order handlers.

The signing secret and the database password are committed with the code,
so everyone with read access to the repository (and every copy of the
deployment package) has them. Warden reports both (WAR-SEC-006); the secure
twin reads them from Secrets Manager at run time.
"""

JWT_SECRET = "orders-jwt-signing-secret-8Kq2"
DATABASE_URL = "postgresql://orders:Pr0d-Orders-Db-2024@orders-db.internal:5432/orders"
