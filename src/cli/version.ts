// fpaste's version. The bundle is one downloaded file with no package.json next to it, so the build
// inlines the version (esbuild `define`); run from source it is "dev".
declare const __FPASTE_VERSION__: string | undefined;

export const VERSION: string = typeof __FPASTE_VERSION__ === 'string' ? __FPASTE_VERSION__ : 'dev';
