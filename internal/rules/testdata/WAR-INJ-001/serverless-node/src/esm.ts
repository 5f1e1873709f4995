import { exec } from 'child_process';
import * as cp from 'node:child_process';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clean } from './lib/clean.js';

interface Query { dir?: string }

export const handler = async (event: APIGatewayProxyEventV2): Promise<{ statusCode: number }> => {
  const q = (event.queryStringParameters ?? {}) as Query;
  exec(`ls ${q.dir}`); // want "WAR-INJ-001 .*no authentication"
  cp.execSync(`du ${event.rawPath!}`); // want "WAR-INJ-001 event.rawPath"
  exec(`ls ${clean(q.dir)}`);
  return { statusCode: 200 };
};
