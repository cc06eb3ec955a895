export {
  openWebSerialPort,
  SPP_SERVICE_CLASS_ID,
  type WebSerialCameraOptions,
  type WebSerialPortLike,
  webSerialCameraSource,
} from './browser/web-serial.js';
