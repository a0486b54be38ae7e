import { checkIdNatPerson, checkIns } from '@mss/domain';
import { MssError } from '@mss/runtime';

/**
 * A person's IdNat given on the command line, checked here before any service is asked (R-ID-1):
 * a typo is told as what is wrong with it, not as "unknown" from Pro Santé Connect.
 */
export function requirePersonIdnat(value: string, option: string): string {
  const check = checkIdNatPerson(value);
  if (check.ok) return check.value.idnat;
  if (checkIns(value).ok) {
    throw new MssError('USAGE', `${option}: ${value.trim()} is a patient's INS; Pro Santé Connect knows professionals, by IdNat`, {
      exitCode: 2,
    });
  }
  throw new MssError('USAGE', `${option}: ${check.error.message}`, { exitCode: 2 });
}
