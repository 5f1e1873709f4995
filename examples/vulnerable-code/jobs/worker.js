// Job worker. Vulnerable by design: see the WAR-* comments.
const serialize = require('node-serialize');
const { MongoClient } = require('mongodb');
const { applyRule } = require('./rules');

const client = new MongoClient(process.env.MONGO_URL || 'mongodb://localhost');

exports.handler = async (event) => {
  await Promise.all(event.Records.map(async (record) => {
    const job = JSON.parse(record.body);
    // WAR-INJ-006: node-serialize runs functions embedded in the payload.
    const state = serialize.unserialize(job.state);
    // WAR-INJ-003: operator objects from the message reach MongoDB.
    const jobs = client.db('app').collection('jobs');
    await jobs.findOne({ owner: job.owner });
    applyRule(job.rule, state);
  }));
};
