/** Tailwind CSS v4 is the dashboard's one styling system; its configuration is app/globals.css. */
export default {
  plugins: { '@tailwindcss/postcss': {} },
};
