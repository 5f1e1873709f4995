const Handlebars = require('handlebars');
const ejs = require('ejs');

exports.handler = async (event) => {
  const { template, name } = JSON.parse(event.body);
  const t = Handlebars.compile(template); // want "WAR-INJ-007 event.body reaches handlebars.compile"
  const html = ejs.render('<p>' + template + '</p>', {}); // want "WAR-INJ-007 .*ejs.render .*authenticated"
  const fixed = ejs.render('<p><%= name %></p>', { name });
  return { statusCode: 200, body: t({ name }) + html + fixed };
};
