import json
import os
import shlex
import subprocess
from subprocess import run as sprun

from lib import shell
from lib.shell import convert

ALLOWED = {"ls", "pwd"}
DEBUG = False


def handler(event, context):
    body = json.loads(event["body"])
    name = body["name"]
    os.system("echo " + name)  # want "WAR-INJ-001 event.body reaches os.system .*no authentication"
    subprocess.run(f"grep {name} /tmp/x", shell=True)  # want "WAR-INJ-001 .*subprocess.run\\(shell=True\\)"
    subprocess.call("tar xf %s" % name)  # want "WAR-INJ-001"
    sprun(["ls", name])  # a list without a shell: arguments, not a command line
    subprocess.run([name, "-l"])  # want "WAR-INJ-001"
    os.popen("cat {}".format(event["queryStringParameters"]["f"]))  # want "WAR-INJ-001 event.queryStringParameters.f"
    shell.run_cmd(name)
    convert(event.get("headers", {}).get("x-file"))

    # Negative cases.
    os.system("echo " + shlex.quote(name))  # quoted
    os.system("echo %d" % int(body["count"]))  # numeric cast
    os.system("uptime")  # constant
    cmd = body["cmd"]
    if cmd in ALLOWED:
        os.system(cmd)  # allowlisted
    if cmd not in ALLOWED:
        return {"statusCode": 400}
    os.system(cmd)  # allowlisted by the early return
    if DEBUG:
        os.system(name)  # dead branch
    if False:
        os.system(name)  # dead branch
    stage = event["requestContext"]["stage"]
    os.system("deploy " + stage)  # not attacker-controlled
    shell.run_cmd("constant")
    safe = name
    safe = "fixed"
    os.system(safe)  # overwritten with a constant
    return {"statusCode": 200}
