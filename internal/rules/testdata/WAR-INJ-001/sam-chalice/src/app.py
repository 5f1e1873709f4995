import subprocess

from chalice import Chalice

app = Chalice(app_name="tools")


@app.route("/ping/{host}")
def ping(host):
    return subprocess.check_output("ping -c 1 " + host, shell=True)  # want "WAR-INJ-001 event.pathParameters.host .*no authentication"


@app.route("/lookup", methods=["POST"])
def lookup():
    name = app.current_request.json_body["name"]
    subprocess.run(["nslookup", name])  # arguments, no shell
    return subprocess.getoutput("host " + name)  # want "WAR-INJ-001 event.body"
