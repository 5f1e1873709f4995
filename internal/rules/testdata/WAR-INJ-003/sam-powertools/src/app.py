import sqlite3

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()
logger = Logger()
db = sqlite3.connect("/tmp/todos.db")


@app.get("/todos/<todo_id>")
def get_todo(todo_id: str):
    return db.execute(f"SELECT * FROM todos WHERE id = {todo_id}").fetchone()  # want "WAR-INJ-003 event.pathParameters.todo_id reaches execute"


@app.get("/todos")
def list_todos():
    owner = app.current_event.get_query_string_value(name="owner", default_value="")
    db.execute("SELECT * FROM todos WHERE owner = '" + owner + "'")  # want "WAR-INJ-003 event.queryStringParameters.owner"
    return db.execute("SELECT * FROM todos WHERE owner = ?", (owner,)).fetchall()


@app.post("/todos")
def create_todo():
    todo = app.current_event.json_body
    db.execute("INSERT INTO todos VALUES ('%s')" % todo["title"])  # want "WAR-INJ-003 event.body"
    db.execute("INSERT INTO todos VALUES (?)", (todo["title"],))
    return {"ok": True}


@logger.inject_lambda_context
def lambda_handler(event, context):
    return app.resolve(event, context)
