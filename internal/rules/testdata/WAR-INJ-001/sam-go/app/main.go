package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"example.com/convert/internal/shell"
)

type request struct {
	File  string `json:"file"`
	Width string `json:"width"`
}

type handler struct{ bin string }

func (h *handler) Handle(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var req request
	if err := json.Unmarshal([]byte(event.Body), &req); err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: 400}, nil
	}
	out, err := exec.Command("sh", "-c", "convert "+req.File+" out.png").Output() // want "WAR-INJ-001 event.body reaches os/exec.Command through sh -c"
	_ = out
	exec.Command(event.QueryStringParameters["tool"]).Run() // want "WAR-INJ-001 event.queryStringParameters.tool"
	cmd := fmt.Sprintf("identify %s", req.File)
	exec.CommandContext(ctx, "bash", "-c", cmd).Run() // want "WAR-INJ-001"
	shell.Run(req.File)

	// Negative cases.
	exec.Command("convert", req.File, "out.png").Run() // arguments without a shell
	w, _ := strconv.Atoi(req.Width)
	exec.Command("sh", "-c", fmt.Sprintf("resize %d", w)).Run() // numeric
	exec.Command("sh", "-c", "uptime").Run()                    // constant
	if err != nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: 500}, nil
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
}

func main() {
	h := &handler{bin: "/opt/bin"}
	lambda.Start(h.Handle)
}
