import sql from "mssql";

const jwtSecret: string = "Worker-typed-secret-7Hk"; // want "WAR-SEC-006 hard-coded signing secret found by detector warden-jwt-signing-secret"
const connectionString = "Server=tcp:payments.database.windows.net,1433;Database=payments;User ID=worker;Password=Hq7Lz2Vm9Pw4Kt;"; // want "WAR-SEC-006 hard-coded password in a connection string found by detector warden-ado-connection-string-password: Hq7\*\*\*\* \(14 chars\) in the code of function worker"

// -----BEGIN RSA PRIVATE KEY----- in a comment without a key is not a key.
const template = "Server=db;Database=x;Password={0};";
let signingSecret: string;

export const handler = async (event: { Records: { body: string }[] }) => {
  signingSecret = process.env.SIGNING_SECRET ?? "";
  const pool = await sql.connect(connectionString);
  for (const r of event.Records) {
    await pool.request().input("b", r.body).query("INSERT INTO jobs (body) VALUES (@b)");
  }
  return { jwtSecret: jwtSecret.length, template, signingSecret };
};
