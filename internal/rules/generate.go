package rules

//go:generate go run ./gendocs ../../docs/rules
