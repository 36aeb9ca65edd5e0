// Whether the device is charging, where the browser tells (Battery Status: navigator.getBattery,
// which Chromium has and Firefox and Safari do not). The volunteer's "only while charging" limit
// is honoured through it (host/lending.ts); where the browser does not tell, the page says so.

/** What the page needs of a BatteryManager. */
interface BatteryLike {
  charging: boolean;
  addEventListener(type: 'chargingchange', listener: () => void): void;
}

/**
 * Report the charging state now and at every change; null once when the browser does not tell
 * (no getBattery, or it refused).
 */
export async function watchCharging(onChange: (charging: boolean | null) => void): Promise<void> {
  const nav = navigator as Navigator & { getBattery?: () => Promise<BatteryLike> };
  if (typeof nav.getBattery !== 'function') return onChange(null);
  let battery: BatteryLike;
  try {
    battery = await nav.getBattery();
  } catch {
    return onChange(null);
  }
  onChange(typeof battery.charging === 'boolean' ? battery.charging : null);
  battery.addEventListener('chargingchange', () => onChange(battery.charging));
}
