const jwt = require("jsonwebtoken");
const Stripe = require("stripe");

const stripe = new Stripe("sk_live_51Hx8QmL2pR7vT9kW3nY6cB4dF0sJ1gA"); // want "WAR-SEC-006 hard-coded API token found by detector stripe-access-token: sk_l\*\*\*\* \(40 chars\) in the code of function api"
const github = { token: "ghp_R8xT2mQ9vL4kZ7pW1nC6bH3yF5sJ0dG8aE2u" }; // want "WAR-SEC-006 hard-coded API token found by detector github-pat"

// Near misses: secrets read from the environment, placeholders.
const jwtSecret = process.env.JWT_SECRET;
const sessionSecret = process.env.SESSION_SECRET || "changeme";
const apiKey = "${API_KEY}";

exports.handler = async (event) => {
  const body = JSON.parse(event.body);
  const token = jwt.sign({ sub: body.user }, "Payments-sign-key-Lp7Q"); // want "WAR-SEC-006 hard-coded signing secret found by detector warden-jwt-literal-key: Paym\*\*\*\* \(22 chars\)"
  const verified = jwt.verify(body.token, jwtSecret);
  return { statusCode: 200, body: JSON.stringify({ token, verified, stripe: !!stripe, github: !!github, sessionSecret, apiKey }) };
};
