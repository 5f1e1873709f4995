const express = require('express');
const serverless = require('serverless-http');

const app = express();

app.get('/items/:id', async (req, res) => {
  try {
    res.json(await load(req.params.id));
  } catch (err) {
    res.status(500).send(err.stack); // want "WAR-ERR-001 .*res.send"
  }
});

app.post('/items', (req, res, next) => {
  save(req.body).then(() => res.sendStatus(201)).catch((e) => res.status(500).json({ error: e.message })); // want "WAR-ERR-001 .*res.json"
});

app.use((err, req, res, next) => {
  console.error(err);
  res.status(500).json({ message: 'internal error' });
});

async function load(id) {
  return { id };
}

async function save(item) {
  return item;
}

module.exports.handler = serverless(app);
