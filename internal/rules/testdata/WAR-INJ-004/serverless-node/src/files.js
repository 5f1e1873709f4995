import fs from 'node:fs';
import { readFile } from 'fs/promises';
import path from 'path';

export const handler = async (event) => {
  for (const record of event.Records) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const local = path.join('/tmp', key);
    fs.writeFileSync(local, 'x'); // want "WAR-INJ-004 event.Records\\[\\*\\].s3.object.key reaches fs.writeFileSync .*storage"
    await readFile(`/tmp/${key}`); // want "WAR-INJ-004 .*fs.promises.readFile"
    fs.createReadStream(path.join('/tmp', path.basename(key))); // reduced to a file name
    fs.unlinkSync('/tmp/' + record.s3.bucket.name); // the bucket name is not attacker-controlled
  }
};
