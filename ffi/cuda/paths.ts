/**
 * Where CUDA's shared libraries are looked for. Order: folders in `MMSSL_CUDA_LIB_DIRS` (colon-separated), the
 * dynamic linker's own search (bare soname), the CUDA toolkit folders, then the `nvidia/<pkg>/lib` folders of
 * pip wheels (`pip install nvidia-cublas nvidia-curand nvidia-cuda-nvrtc`) in known Python site-packages.
 */
import { type OpenedLibrary, openFirst, readEnv } from "../load.ts";

const TOOLKIT_DIRS = [
  "/usr/local/cuda/lib64",
  "/usr/local/cuda/targets/x86_64-linux/lib",
  "/usr/local/cuda/targets/sbsa-linux/lib",
  "/usr/local/nvidia/lib64",
  "/usr/local/nvidia/lib",
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib64",
  "/usr/lib/wsl/lib",
];

/** Parent folders whose python3.* children hold site-packages or dist-packages. */
const PYTHON_LIB_ROOTS = [
  "/usr/local/lib",
  "/usr/lib",
  "/opt/torch/.venv/lib",
  "/opt/conda/lib",
  "/opt/venv/lib",
];

function listDir(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isDirectory || e.isSymlink).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Site-packages folders of known Python installations (plus $VIRTUAL_ENV and ~/.local). */
function sitePackages(): string[] {
  const roots = [...PYTHON_LIB_ROOTS];
  const venv = readEnv("VIRTUAL_ENV");
  if (venv) roots.unshift(`${venv}/lib`);
  const home = readEnv("HOME");
  if (home) roots.push(`${home}/.local/lib`);
  const out: string[] = [];
  for (const root of roots) {
    for (const py of listDir(root).filter((n) => /^python3(\.\d+)?$/.test(n)).reverse()) {
      for (const leaf of ["site-packages", "dist-packages"]) {
        const p = `${root}/${py}/${leaf}`;
        if (isDir(p)) out.push(p);
      }
    }
  }
  return out;
}

/** `nvidia/*\/lib` folders of pip's CUDA wheels (cu13 layout first, then the per-package cu12 layout). */
function pipLibDirs(): string[] {
  const out: string[] = [];
  for (const sp of sitePackages()) {
    const base = `${sp}/nvidia`;
    const pkgs = listDir(base);
    pkgs.sort((a, b) => (b.startsWith("cu1") ? 1 : 0) - (a.startsWith("cu1") ? 1 : 0) || b.localeCompare(a));
    for (const pkg of pkgs) {
      const lib = `${base}/${pkg}/lib`;
      if (isDir(lib)) out.push(lib);
    }
  }
  return out;
}

let cachedDirs: string[] | undefined;

/** Toolkit and pip-wheel folders that exist here, in search order (computed once per process). */
export function cudaLibDirs(): string[] {
  if (cachedDirs) return cachedDirs;
  const toolkit = [...TOOLKIT_DIRS];
  for (const name of listDir("/usr/local").filter((n) => /^cuda-\d/.test(n)).reverse()) {
    toolkit.push(`/usr/local/${name}/lib64`, `/usr/local/${name}/targets/x86_64-linux/lib`);
  }
  cachedDirs = [...new Set([...toolkit.filter(isDir), ...pipLibDirs()])];
  return cachedDirs;
}

/** Candidate paths for the given sonames: MMSSL_CUDA_LIB_DIRS folders, bare sonames, then cudaLibDirs(). */
export function candidatesFor(sonames: string[]): string[] {
  const fromEnv = (readEnv("MMSSL_CUDA_LIB_DIRS") ?? "").split(":").filter((d) => d.length > 0);
  const out: string[] = [];
  for (const so of sonames) for (const d of fromEnv) out.push(`${d}/${so}`);
  out.push(...sonames);
  for (const so of sonames) for (const d of cudaLibDirs()) out.push(`${d}/${so}`);
  return out;
}

/** Whether a candidate (absolute path) exists, so missing files are skipped without a dlopen attempt. */
function plausible(path: string): boolean {
  if (!path.startsWith("/")) return true;
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Opens one CUDA library by soname through the search above; `envVar` names a path that is tried first. */
export function openCudaLibrary<S extends Deno.ForeignLibraryInterface>(
  what: string,
  envVar: string,
  sonames: string[],
  symbols: S,
): OpenedLibrary<S> {
  return openFirst(what, envVar, candidatesFor(sonames).filter(plausible), symbols);
}
