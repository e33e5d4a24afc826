export { OpenStackDriver, type OpenStackDriverDeps } from './driver';
