module example.com/resize

go 1.22

require (
	github.com/gogo/protobuf v1.3.2
	golang.org/x/net v0.3.0 // want "WAR-DEP-001 golang.org/x/net v0.3.0 .*GO-2022-1144.*fixed in v0.4.0"
)
