package main

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(ctx context.Context, req events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	data, err := os.ReadFile("/opt/config.json")
	if err != nil {
		return events.LambdaFunctionURLResponse{StatusCode: 500, Body: err.Error()}, nil // want "WAR-ERR-001 function Api returns exception details"
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		log.Printf("bad config: %v", err)
		return events.LambdaFunctionURLResponse{StatusCode: 500, Body: `{"message":"internal error"}`}, nil
	}
	return events.LambdaFunctionURLResponse{StatusCode: 200}, nil
}

func serve(w http.ResponseWriter, r *http.Request) {
	if _, err := os.Stat(r.URL.Path); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func main() {
	_ = serve
	lambda.Start(handler)
}
