import { exec } from 'child_process';

export async function handler(event) {
  await Promise.all(event.Records.map(async (record) => {
    const msg = JSON.parse(record.body);
    exec(`convert ${msg.key}`); // want "WAR-INJ-001 event.Records\\[\\*\\].body .*queue"
  }));
  for (const r of event.Records) {
    exec('ack ' + r.messageId);
  }
}
