import subprocess


def run_cmd(arg):
    return _spawn("ping -c 1 " + arg)


def _spawn(line):
    return subprocess.check_output(line, shell=True)  # want "WAR-INJ-001 event.body reaches subprocess.check_output"


def convert(path):
    subprocess.Popen("convert " + path + " out.png", shell=True)  # want "WAR-INJ-001 event.headers.x-file"
