from jinja2 import Template


def handler(event, context):
    name = event["queryStringParameters"]["name"]
    Template("Hello " + name).render()  # want "WAR-INJ-007 event.queryStringParameters.name reaches jinja2.Template"
    Template("Hello {{ name }}").render(name=name)  # a variable, not the template
