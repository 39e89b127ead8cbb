"""The ceiling: the smallest Flask app, served by the same gunicorn configuration as the product."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
