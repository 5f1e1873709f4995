package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

var db *sql.DB

func handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := req.PathParameters["id"]
	rows, err := db.QueryContext(ctx, "SELECT * FROM orders WHERE id = '"+id+"'")
	_ = rows
	q := fmt.Sprintf("DELETE FROM orders WHERE id = %s", id)
	db.Exec(q)
	client := dynamodb.NewFromConfig(aws.Config{})
	client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("t"), FilterExpression: aws.String("id = " + id)})

	// Negative cases: parameterized queries and expression values.
	db.QueryRowContext(ctx, "SELECT * FROM orders WHERE id = $1", id)
	db.Exec("DELETE FROM orders WHERE id = ?", id)

	// Other sinks in the same function (reported by their own rules).
	os.ReadFile(filepath.Join("/tmp", id)) // want "WAR-INJ-004 event.pathParameters.id reaches os.ReadFile"
	os.ReadFile(filepath.Join("/tmp", filepath.Base(id)))
	http.Get("http://" + req.Headers["Host"] + "/x")
	http.Get("https://api.example.com/orders/" + id)
	if err != nil {
		return events.APIGatewayProxyResponse{StatusCode: 500}, nil
	}
	return events.APIGatewayProxyResponse{StatusCode: 200}, nil
}

func main() {
	lambda.Start(handle)
}
