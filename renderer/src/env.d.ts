// Stylesheets are imported for Vite to bundle; they export nothing TypeScript needs to know.
declare module '*.css';
