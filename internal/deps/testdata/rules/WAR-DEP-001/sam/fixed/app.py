import yaml, requests
