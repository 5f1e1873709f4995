import ast


def handler(event, context):
    expr = event["queryStringParameters"]["expr"]
    result = eval(expr)  # want "WAR-INJ-002 event.queryStringParameters.expr reaches eval"
    exec("x = " + expr)  # want "WAR-INJ-002"
    code = compile(expr, "<event>", "eval")  # want "WAR-INJ-002"
    safe = ast.literal_eval(expr)  # literals only
    eval("1 + 2")  # constant
    n = eval(str(int(expr)))  # numeric cast
    return {"statusCode": 200, "body": str(result)}
