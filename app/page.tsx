export default function Home() {
  return (
    <main>
      <h1>Palisade</h1>
      <p>
        The policy graph arrives with the dashboard. Until then, use the CLI:{' '}
        <code>palisade policy matrix --state FILE</code>.
      </p>
    </main>
  );
}
