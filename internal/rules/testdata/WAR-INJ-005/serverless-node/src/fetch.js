const axios = require('axios');
const https = require('https');

exports.handler = async (event) => {
  const msg = JSON.parse(event.Records[0].Sns.Message);
  await axios.get(msg.callback); // want "WAR-INJ-005 event.Records\\[\\*\\].Sns.Message reaches axios.get"
  await fetch(`${msg.base}/notify`); // want "WAR-INJ-005 .*fetch"
  https.get({ host: msg.host, path: '/' }); // want "WAR-INJ-005 .*https.get"
  await axios({ url: msg.callback, method: 'post' }); // want "WAR-INJ-005 .*axios"
  // Negative cases.
  await axios.get(`https://hooks.example.com/notify/${encodeURIComponent(msg.id)}`);
  await fetch('https://hooks.example.com/ping');
  await fetch(process.env.HOOKS_URL + '/notify/' + msg.id); // configured host
  await fetch(`${process.env.HOOKS_URL}/notify/${msg.id}`); // configured host
  await fetch(`https://${msg.tenant}.example.com/notify`); // want "WAR-INJ-005"
};
