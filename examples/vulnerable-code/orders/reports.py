"""Report rendering shared by the orders API."""
from jinja2 import Template


def render_report(title):
    # WAR-INJ-007: the title is compiled as a template (cross-file flow).
    return Template("<h1>" + title + "</h1>").render()
