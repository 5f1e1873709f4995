const _ = require("lodash");

exports.handler = async (event) => {
  const names = _.template("Order <%= id %> shipped")(JSON.parse(event.body || "{}"));
  return { statusCode: 200, body: names };
};
