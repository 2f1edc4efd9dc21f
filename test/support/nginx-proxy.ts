/**
 * Websoft9's proxy as its image ships it, for `websoft9-proxy` in the real-host box (box-websoft9.ts):
 * the volumes' mount points, the two files it ships, and an nginx.conf shaped like initproxy.conf.
 */

/** Where the proxy container mounts its volumes (as Websoft9's compose file does). */
export const VAR_DIR = '/etc/custom';
export const DATA_DIR = '/data';

/** The files as Websoft9's proxy image ships them: one line each, no final newline. */
export const shippedCustomVar = (port: number): string => `set $cockpit_port ${port};`;
export const shippedCustomSsl = (cert: string, key: string): string => `ssl_certificate ${cert};\nssl_certificate_key ${key};`;

/**
 * The proxy's nginx.conf, shaped like Websoft9's initproxy.conf: the server includes
 * custom_ssl.conf, `location /` includes custom_var.conf and proxies to `$cockpit_port` on the
 * docker0 address with the fixed `Origin: http://<docker0>:9000`.
 */
export function proxyNginxConf(listenPort: number, docker0: string): string {
  return `user nobody nogroup;
worker_processes 1;
error_log stderr notice;
pid /run/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  server {
    listen 127.0.0.1:${listenPort} ssl default_server;
    server_name _;
    include ${VAR_DIR}/custom_ssl.conf;
    location / {
      include ${VAR_DIR}/custom_var.conf;
      # Required to proxy the connection to Cockpit
      proxy_pass http://${docker0}:$cockpit_port;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Origin http://${docker0}:9000;
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      gzip off;
    }
  }
}
`;
}
