module example.com/orders/fn

go 1.21

toolchain go1.21.5

require (
	github.com/aws/aws-lambda-go v1.41.0
	github.com/gogo/protobuf v1.3.1
	golang.org/x/net v0.0.0-20220722155237-a158d28d115b
)

require (
	github.com/docker/docker v20.10.24+incompatible // indirect
	golang.org/x/text v0.3.7 // indirect
)

replace example.com/orders/shared => ../shared
