module example.com/orders/resize

go 1.22

require (
	github.com/aws/aws-lambda-go v1.47.0
	github.com/gogo/protobuf v1.3.2
	golang.org/x/image v0.17.0
	golang.org/x/net v0.3.0
)
