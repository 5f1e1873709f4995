package shell

import "os/exec"

// Run runs a conversion through the shell.
func Run(name string) error {
	return exec.Command("/bin/sh", "-c", "gm convert "+name).Run() // want "WAR-INJ-001 event.body reaches os/exec.Command"
}
