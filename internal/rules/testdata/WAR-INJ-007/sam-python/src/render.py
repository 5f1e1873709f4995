import json

import jinja2
from jinja2 import Environment, Template

env = Environment(loader=jinja2.FileSystemLoader("templates"))


def handler(event, context):
    body = json.loads(event["body"])
    greeting = "Hello " + body["name"]
    html = Template(greeting).render()  # want "WAR-INJ-007 event.body reaches jinja2.Template"
    env.from_string("<p>" + body["footer"] + "</p>")  # want "WAR-INJ-007 .*from_string"
    # Negative cases: the template is fixed, event data is a variable.
    page = env.get_template("page.html").render(name=body["name"])
    Template("Hello {{ name }}").render(name=body["name"])
    return {"statusCode": 200, "body": html + page}
