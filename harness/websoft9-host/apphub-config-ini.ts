/** A dummy credential written into config.ini: tests can assert it never reaches logs or status. */
export const INI_SECRET = 'TEST-SECRET-must-never-be-logged';
/**
 * A realistic apphub config.ini. `port`: a number, a string written verbatim after `port = `
 * (so tests can write hostile values), or null for a `[cockpit]` section without a port key.
 */
export function apphubConfigIni(port: number | string | null = 9000): string {
  const cockpit = port === null ? '[cockpit]\n' : `[cockpit]\nport = ${port}\n`;
  return [
    '[nginx_proxy_manager]',
    'base_url = http://websoft9-proxy:81/api',
    'user_name = help@websoft9.com',
    `user_pwd = ${INI_SECRET}`,
    'nike_name = admin',
    'listen_port = 443',
    '',
    '[gitea]',
    'base_url = http://websoft9-git:3000/api/v1',
    'user_name = websoft9',
    'user_email = admin@mydomain.com',
    `user_pwd = ${INI_SECRET}`,
    '',
    '[portainer]',
    'base_url = http://websoft9-deployment:9000/api',
    'user_name = admin',
    `user_pwd = ${INI_SECRET}`,
    '',
    '[api_key]',
    `key = ${INI_SECRET}`,
    '',
    '[domain]',
    'wildcard_domain =',
    '',
    cockpit,
    '[docker_library]',
    'path = /websoft9/library/apps',
    '',
  ].join('\n');
}
